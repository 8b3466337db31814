-- How much more does the same chip serve each round (software gains)? For each model, scenario and canonical
-- accelerator: the best throughput per accelerator of each round, and the change from the previous round.
with

per_accelerator as (
    select * from inference_per_accelerator where accelerator is not null and result_per_accelerator is not null
),

-- ties on the best: the first submitter and system by name, the same on every query
best as (
    select model, scenario, accelerator_vendor, accelerator, round,
           result_per_accelerator as best_result_per_accelerator, units, system, submitter
    from per_accelerator
    qualify row_number() over (
        partition by model, scenario, accelerator_vendor, accelerator, round
        order by result_per_accelerator desc, submitter, system
    ) = 1
),

final as (
    select
        *,
        best_result_per_accelerator / lag(best_result_per_accelerator) over history as gain_vs_previous_round
    from best
    window history as (partition by model, scenario, accelerator_vendor, accelerator order by round)
)

select * from final
order by model, scenario, accelerator, round, accelerator_vendor, units
