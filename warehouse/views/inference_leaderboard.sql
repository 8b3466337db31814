-- Who leads each inference benchmark? The valid results of every round, division, model and scenario, ranked:
-- throughput (Samples/s, Queries/s, Tokens/s) highest first, latency (ms) lowest first, in the unit each value
-- measures (stg_inference_results); the published number and label beside it. Power where measured.
with

results as (
    select * from stg_inference_results where valid
),

ranked as (
    select
        round,
        division,
        model,
        scenario,
        submitter,
        system,
        system_name,
        system_type,
        availability,
        accelerator_model_name,
        accelerators_total,
        benchmark,
        result,
        units,
        power_result,
        power_units,
        accuracy_text,
        source_path,
        rank() over (
            partition by round, division, model, scenario
            order by case when units = 'Latency (ms)' then result else -result end
        ) as rank,
        published_result,
        published_units,
        submitter_name
    from results
)

select * from ranked
order by round, division, model, scenario, rank, submitter, system, benchmark
