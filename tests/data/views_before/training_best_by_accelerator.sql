-- What is the best time to train each benchmark with a given accelerator and accelerator count?
-- One row per (benchmark, canonical accelerator, accelerator count): the fastest valid score across all rounds and
-- divisions, with where it was measured.
with

minutes as (
    select * from training_accelerator_minutes where accelerator is not null
),

best as (
    select * from minutes
    qualify row_number() over (
        partition by benchmark, accelerator_vendor, accelerator, accelerators_total order by score_minutes, round, division, submitter, system
    ) = 1
)

select
    benchmark,
    accelerator_vendor,
    accelerator,
    accelerators_total,
    score_minutes as best_score_minutes,
    accelerator_minutes,
    round,
    division,
    submitter,
    system
from best
order by benchmark, accelerator, accelerators_total, accelerator_vendor
