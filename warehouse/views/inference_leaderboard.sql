-- Who leads each inference benchmark? The valid results of every round, division, model and scenario, ranked:
-- throughput (Samples/s, Queries/s, Tokens/s) highest first, latency (ms) lowest first. Power where measured.
with

results as (
    select * from inference_results where valid
),

systems as (
    select * from systems where suite = 'inference'
),

power as (
    select * from inference_power
),

joined as (
    select
        results.round,
        results.division,
        results.model,
        results.scenario,
        results.submitter,
        results.system,
        systems.system_name,
        systems.system_type,
        systems.availability,
        systems.accelerator_model_name,
        systems.accelerators_total,
        results.benchmark,
        results.result,
        results.units,
        power.power_result,
        power.power_units,
        results.accuracy,
        results.source_path
    from results
    left join systems
        on systems.round = results.round
        and systems.division = results.division
        and systems.submitter = results.submitter
        and systems.system = results.system
    left join power
        on power.round = results.round
        and power.division = results.division
        and power.submitter = results.submitter
        and power.system = results.system
        and power.benchmark = results.benchmark
        and power.scenario = results.scenario
),

ranked as (
    select
        *,
        rank() over (
            partition by round, division, model, scenario
            order by case when units = 'Latency (ms)' then result else -result end
        ) as rank
    from joined
)

select * from ranked
order by round, division, model, scenario, rank
