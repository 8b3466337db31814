-- How much throughput does one accelerator deliver? Offline and Server results divided by the system's
-- accelerators (nodes × accelerators per node). CPU-only systems (0 accelerators) are normalised per CPU socket.
with

results as (
    select * from inference_results
    where valid and scenario in ('Offline', 'Server', 'Interactive')
),

systems as (
    select * from systems where suite = 'inference'
),

joined as (
    select
        results.round,
        results.division,
        results.model,
        results.scenario,
        results.submitter,
        results.system,
        systems.accelerator_model_name,
        systems.number_of_nodes,
        systems.accelerators_total,
        systems.number_of_nodes * systems.host_processors_per_node as sockets_total,
        results.result,
        results.units,
        results.target_latency_ns,
        results.source_path
    from results
    left join systems
        on systems.round = results.round
        and systems.division = results.division
        and systems.submitter = results.submitter
        and systems.system = results.system
),

final as (
    select
        *,
        case when accelerators_total > 0 then result / accelerators_total end as result_per_accelerator,
        case when accelerators_total = 0 and sockets_total > 0 then result / sockets_total end as result_per_socket
    from joined
)

select * from final
order by round, model, scenario, result_per_accelerator desc nulls last
