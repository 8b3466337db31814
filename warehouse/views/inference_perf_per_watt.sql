-- How efficient is each measured system? Results with a power measurement: the published power result and the
-- performance per watt (Offline/Server: result ÷ average watts; SingleStream/MultiStream: samples per joule).
with

results as (
    select * from stg_inference_results where valid and power_result is not null
),

final as (
    select
        round,
        division,
        model,
        scenario,
        submitter,
        system,
        accelerator,
        accelerators_total,
        result,
        units,
        average_watts,
        power_result,
        power_units,
        performance_per_watt,
        published_result,
        published_units,
        availability
    from results
)

select * from final
order by round, model, scenario, performance_per_watt desc, division, submitter, system, result desc
