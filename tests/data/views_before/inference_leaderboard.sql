-- Who leads each inference benchmark? The valid results of every round, division, model and scenario, ranked:
-- throughput (Samples/s, Queries/s, Tokens/s) highest first, latency (ms) lowest first. Power where measured.
with

results as (
    select * from inference_results where valid
),

-- not named `systems`: DuckDB < 1.4 reads a CTE named like the table it selects from as a circular reference
descriptions as (
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
        descriptions.system_name,
        descriptions.system_type,
        descriptions.availability,
        descriptions.accelerator_model_name,
        descriptions.accelerators_total,
        results.benchmark,
        results.result,
        results.units,
        power.power_result,
        power.power_units,
        results.accuracy_text,
        results.source_path
    from results
    left join descriptions
        on descriptions.round = results.round
        and descriptions.division = results.division
        and descriptions.submitter = results.submitter
        and descriptions.system = results.system
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
order by round, division, model, scenario, rank, submitter, system, benchmark
