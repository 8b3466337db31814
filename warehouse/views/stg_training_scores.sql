-- Staging: every official training score with its system's canonical hardware and availability, the benchmark's
-- name across rounds and the submitter's, joined once; the training marts select from here.
with

scores as (
    select * from training_scores
),

hardware as (
    select * from system_hardware where suite = 'training'
),

submitters as (
    select * from stg_submitters
),

joined as (
    select
        scores.round,
        scores.division,
        scores.benchmark,
        scores.benchmark_name,
        scores.submitter,
        submitters.submitter_name,
        scores.system,
        scores.valid,
        hardware.system_name,
        hardware.availability,
        hardware.accelerator_vendor,
        hardware.accelerator,
        hardware.accelerator_model_name,
        hardware.number_of_nodes,
        hardware.accelerators_per_node,
        hardware.accelerators_total,
        hardware.host_processors_total,
        scores.score_minutes,
        scores.runs_counted,
        scores.scaling_factor,
        scores.source_path
    from scores
    left join hardware
        on hardware.round = scores.round
        and hardware.submitter = scores.submitter
        and hardware.system = scores.system
    left join submitters
        on submitters.submitter = scores.submitter
)

select * from joined
order by round, division, submitter, system, benchmark
