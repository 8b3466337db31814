-- How much throughput does one accelerator deliver? Valid Offline, Server and Interactive results divided by the
-- system's accelerators (nodes × accelerators per node), with the canonical accelerator. CPU-only systems
-- (0 accelerators) are normalised per CPU socket instead.
with

results as (
    select * from inference_results
    where valid and scenario in ('Offline', 'Server', 'Interactive')
),

hardware as (
    select * from system_hardware where suite = 'inference'
),

joined as (
    select
        results.round,
        results.division,
        results.model,
        results.scenario,
        results.submitter,
        results.system,
        hardware.accelerator_vendor,
        hardware.accelerator,
        hardware.accelerator_model_name,
        hardware.number_of_nodes,
        hardware.accelerators_total,
        hardware.host_processors_total as sockets_total,
        results.result,
        results.units,
        results.target_latency_ns,
        results.source_path
    from results
    left join hardware
        on hardware.round = results.round
        and hardware.division = results.division
        and hardware.submitter = results.submitter
        and hardware.system = results.system
),

final as (
    select
        *,
        case when accelerators_total > 0 then result / accelerators_total end as result_per_accelerator,
        case when coalesce(accelerators_total, 0) = 0 and sockets_total > 0 then result / sockets_total end as result_per_socket
    from joined
)

select * from final
order by round, model, scenario, result_per_accelerator desc nulls last, division, submitter, system, source_path
