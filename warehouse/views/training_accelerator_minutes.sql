-- How many accelerator-minutes does each system spend to reach the quality target?
-- One row per valid official score: score_minutes × accelerators (nodes × accelerators per node), with the canonical
-- accelerator. CPU-only systems (0 accelerators) get no accelerator-minutes but processor-minutes (per socket).
with

scores as (
    select * from stg_training_scores where valid
),

final as (
    select
        round,
        division,
        benchmark,
        submitter,
        system,
        accelerator_vendor,
        accelerator,
        accelerator_model_name,
        number_of_nodes,
        accelerators_per_node,
        accelerators_total,
        host_processors_total,
        score_minutes,
        case when accelerators_total > 0 then score_minutes * accelerators_total end as accelerator_minutes,
        score_minutes * host_processors_total as processor_minutes,
        benchmark_name,
        availability
    from scores
)

select * from final
order by round, benchmark, accelerator_minutes nulls last, division, submitter, system
