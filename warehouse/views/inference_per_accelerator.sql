-- How much throughput does one accelerator deliver? Valid Offline, Server and Interactive results divided by the
-- system's accelerators (nodes × accelerators per node), with the canonical accelerator, in the unit each value
-- measures (stg_inference_results; the published number and label beside it), and per accelerator in samples/s and
-- tokens/s where the log has them. CPU-only systems (0 accelerators) are normalised per CPU socket instead.
with

results as (
    select * from stg_inference_results
    where valid and scenario in ('Offline', 'Server', 'Interactive')
),

final as (
    select
        round,
        division,
        model,
        scenario,
        submitter,
        system,
        accelerator_vendor,
        accelerator,
        accelerator_model_name,
        number_of_nodes,
        accelerators_total,
        sockets_total,
        result,
        units,
        target_latency_ns,
        source_path,
        case when accelerators_total > 0 then result / accelerators_total end as result_per_accelerator,
        case when coalesce(accelerators_total, 0) = 0 and sockets_total > 0 then result / sockets_total end as result_per_socket,
        published_result,
        published_units,
        case when accelerators_total > 0 then throughput_samples_per_second / accelerators_total end
            as samples_per_second_per_accelerator,
        case when accelerators_total > 0 then throughput_tokens_per_second / accelerators_total end
            as tokens_per_second_per_accelerator,
        availability,
        submitter_name
    from results
)

select * from final
order by round, model, scenario, result_per_accelerator desc nulls last, division, submitter, system, source_path
