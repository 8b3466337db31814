-- What systems were submitted, on what hardware, and what did each run? One row per system and round, with its
-- canonical hardware and every benchmark it has a result for (training: benchmark; inference: model/scenario),
-- as one comma-separated text: BI tools cannot show or filter list columns.
with

hardware as (
    select * from system_hardware
),

training as (
    select
        round, submitter, system,
        string_agg(distinct benchmark, ', ' order by benchmark) as benchmarks,
        count(distinct benchmark) as benchmark_count
    from training_scores
    group by all
),

inference as (
    select
        round, division, submitter, system,
        string_agg(distinct model || '/' || scenario, ', ' order by model || '/' || scenario) as benchmarks,
        count(distinct model || '/' || scenario) as benchmark_count
    from inference_results
    group by all
),

final as (
    select
        hardware.*,
        coalesce(training.benchmarks, inference.benchmarks) as benchmarks,
        coalesce(training.benchmark_count, inference.benchmark_count, 0) as benchmark_count
    from hardware
    left join training
        on hardware.suite = 'training'
        and training.round = hardware.round
        and training.submitter = hardware.submitter
        and training.system = hardware.system
    left join inference
        on hardware.suite = 'inference'
        and inference.round = hardware.round
        and inference.division = hardware.division
        and inference.submitter = hardware.submitter
        and inference.system = hardware.system
)

select * from final
order by suite, round, division, submitter, system
