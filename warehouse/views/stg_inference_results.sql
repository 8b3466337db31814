-- Staging: every inference result with its system's canonical hardware, availability and power, and its value in
-- the unit it measures, joined once; the inference marts select from here. `result` is what the value measures in
-- the unit the official label intends: where the label is odd (v5.1 whisper Offline is labelled Samples/s but the
-- published number is tokens/s) the log's own figure in the labelled unit (709.5 samples/s), else the published
-- number in the unit it measures (`result_measures`). The published number and label are kept beside it.
with

results as (
    select * from inference_results
),

hardware as (
    select * from system_hardware where suite = 'inference'
),

power as (
    select * from inference_power
),

submitters as (
    select * from stg_submitters
),

measured as (
    select
        *,
        -- the log's own throughput figures, one per unit (Offline: result_*; Server, Interactive: completed)
        case when scenario in ('Offline', 'Server', 'Interactive')
            then coalesce(samples_per_second, completed_samples_per_second) end as throughput_samples_per_second,
        case when scenario in ('Offline', 'Server', 'Interactive')
            then coalesce(tokens_per_second, completed_tokens_per_second, inferred_tokens_per_second,
                          inferred_completed_tokens_per_second) end as throughput_tokens_per_second
    from results
),

in_units as (
    select
        *,
        case
            when result_measures is null or result_measures = units then result
            -- one sample per query in Server and Interactive: queries/s are completed samples/s
            when units in ('Samples/s', 'Queries/s') and throughput_samples_per_second is not null
                then throughput_samples_per_second
            when units = 'Tokens/s' and throughput_tokens_per_second is not null then throughput_tokens_per_second
            else result
        end as measured_result,
        case
            when result_measures is null or result_measures = units then units
            when units in ('Samples/s', 'Queries/s') and throughput_samples_per_second is not null then units
            when units = 'Tokens/s' and throughput_tokens_per_second is not null then units
            else result_measures
        end as measured_units
    from measured
),

joined as (
    select
        in_units.round,
        in_units.division,
        in_units.model,
        in_units.scenario,
        in_units.submitter,
        submitters.submitter_name,
        in_units.system,
        in_units.benchmark,
        in_units.scenario_dir,
        in_units.valid,
        in_units.invalid_reason,
        in_units.published,
        hardware.system_name,
        hardware.system_type,
        hardware.availability,
        hardware.accelerator_vendor,
        hardware.accelerator,
        hardware.accelerator_chip,
        hardware.accelerator_model_name,
        hardware.number_of_nodes,
        hardware.accelerators_total,
        hardware.host_processors_total as sockets_total,
        in_units.measured_result as result,
        in_units.measured_units as units,
        in_units.result as published_result,
        in_units.units as published_units,
        in_units.throughput_samples_per_second,
        in_units.throughput_tokens_per_second,
        in_units.target_latency_ns,
        in_units.latency_p99_ns,
        power.power_result,
        power.power_units,
        power.average_watts,
        power.performance_per_watt,
        in_units.accuracy_text,
        in_units.source_path
    from in_units
    left join hardware
        on hardware.round = in_units.round
        and hardware.division = in_units.division
        and hardware.submitter = in_units.submitter
        and hardware.system = in_units.system
    left join power
        on power.round = in_units.round
        and power.division = in_units.division
        and power.submitter = in_units.submitter
        and power.system = in_units.system
        and power.benchmark = in_units.benchmark
        and power.scenario = in_units.scenario
    left join submitters
        on submitters.submitter = in_units.submitter
)

select * from joined
order by round, division, submitter, system, benchmark, scenario
