-- How efficient is each measured system? Results with a power measurement: the published power result and the
-- performance per watt (Offline/Server: result ÷ average watts; SingleStream/MultiStream: samples per joule).
with

results as (
    select * from inference_results where valid
),

power as (
    select * from inference_power where power_result is not null
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
        hardware.accelerator,
        hardware.accelerators_total,
        results.result,
        results.units,
        power.average_watts,
        power.power_result,
        power.power_units,
        power.performance_per_watt
    from results
    join power
        on power.round = results.round
        and power.division = results.division
        and power.submitter = results.submitter
        and power.system = results.system
        and power.benchmark = results.benchmark
        and power.scenario = results.scenario
    left join hardware
        on hardware.round = results.round
        and hardware.division = results.division
        and hardware.submitter = results.submitter
        and hardware.system = results.system
)

select * from joined
order by round, model, scenario, performance_per_watt desc, division, submitter, system, result desc
