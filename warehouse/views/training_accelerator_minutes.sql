-- How many accelerator-minutes does each system spend to reach the quality target?
-- One row per official score: score_min × accelerators (nodes × accelerators per node).
-- CPU-only systems (0 accelerators) get no accelerator-minutes but keep their sockets for per-socket comparisons.
with

scores as (
    select * from training_scores where valid
),

systems as (
    select * from systems where suite = 'training'
),

joined as (
    select
        scores.round,
        scores.division,
        scores.benchmark,
        scores.submitter,
        scores.system,
        systems.accelerator_model_name,
        systems.number_of_nodes,
        systems.accelerators_per_node,
        systems.accelerators_total,
        systems.number_of_nodes * systems.host_processors_per_node as host_processors_total,
        scores.score_min
    from scores
    left join systems
        on systems.round = scores.round
        and systems.submitter = scores.submitter
        and systems.system = scores.system
),

final as (
    select
        *,
        case when accelerators_total > 0 then score_min * accelerators_total end as accelerator_minutes,
        score_min * host_processors_total as processor_minutes
    from joined
)

select * from final
order by round, benchmark, accelerator_minutes
