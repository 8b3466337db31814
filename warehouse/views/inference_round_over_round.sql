-- How much more does the same chip serve each round (software gains)? For each model, scenario and canonical
-- accelerator: the best throughput per accelerator of each round, and the change from the previous round.
with

per_accelerator as (
    select * from inference_per_accelerator where accelerator is not null and result_per_accelerator is not null
),

best as (
    select
        model,
        scenario,
        accelerator_vendor,
        accelerator,
        round,
        max(result_per_accelerator) as best_result_per_accelerator,
        arg_min(units, (-result_per_accelerator, submitter, system)) as units,
        -- ties on the best: the first submitter and system by name, the same on every query
        arg_min(system, (-result_per_accelerator, submitter, system)) as system,
        arg_min(submitter, (-result_per_accelerator, submitter, system)) as submitter
    from per_accelerator
    group by all
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
