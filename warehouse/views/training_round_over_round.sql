-- How much faster does the same chip train each round (software gains)? For each benchmark (by its name across
-- rounds: RetinaNet is the folder `ssd` until v4.1) and canonical accelerator: the best accelerator-minutes of each
-- round, and the change from the previous round it appeared in.
with

minutes as (
    select * from training_accelerator_minutes where accelerator is not null and accelerator_minutes is not null
),

-- ties on the best: the first submitter and system by name, the same on every query
best as (
    select benchmark_name as benchmark, accelerator_vendor, accelerator, round, accelerator_minutes as best_accelerator_minutes, system,
           submitter, availability
    from minutes
    qualify row_number() over (
        partition by benchmark_name, accelerator_vendor, accelerator, round order by accelerator_minutes, submitter, system
    ) = 1
),

final as (
    select
        *,
        lag(best_accelerator_minutes) over history / best_accelerator_minutes as speedup_vs_previous_round
    from best
    window history as (partition by benchmark, accelerator_vendor, accelerator order by round)
)

select * from final
order by benchmark, accelerator, round, accelerator_vendor
