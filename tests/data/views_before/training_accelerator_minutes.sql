-- How many accelerator-minutes does each system spend to reach the quality target?
-- One row per valid official score: score_minutes × accelerators (nodes × accelerators per node), with the canonical
-- accelerator. CPU-only systems (0 accelerators) get no accelerator-minutes but processor-minutes (per socket).
with

scores as (
    select * from training_scores where valid
),

hardware as (
    select * from system_hardware where suite = 'training'
),

joined as (
    select
        scores.round,
        scores.division,
        scores.benchmark,
        scores.submitter,
        scores.system,
        hardware.accelerator_vendor,
        hardware.accelerator,
        hardware.accelerator_model_name,
        hardware.number_of_nodes,
        hardware.accelerators_per_node,
        hardware.accelerators_total,
        hardware.host_processors_total,
        scores.score_minutes
    from scores
    left join hardware
        on hardware.round = scores.round
        and hardware.submitter = scores.submitter
        and hardware.system = scores.system
),

final as (
    select
        *,
        case when accelerators_total > 0 then score_minutes * accelerators_total end as accelerator_minutes,
        score_minutes * host_processors_total as processor_minutes
    from joined
)

select * from final
order by round, benchmark, accelerator_minutes nulls last, division, submitter, system
