-- How does time-to-train shrink as accelerators are added? For each round, benchmark and canonical accelerator:
-- the best score at each accelerator count, the speed-up over the smallest count measured, and the efficiency of
-- each step against perfect linear scaling from that smallest system:
--   efficiency = (score at the smallest count × smallest count) / (score × count)  (1.0 = perfectly linear).
with

minutes as (
    select * from training_accelerator_minutes where accelerator is not null and accelerators_total > 0
),

best_per_count as (
    select
        round,
        benchmark,
        accelerator_vendor,
        accelerator,
        accelerators_total,
        min(score_minutes) as score_minutes,
        arg_min(system, score_minutes) as system,
        arg_min(submitter, score_minutes) as submitter
    from minutes
    group by all
),

with_baseline as (
    select
        *,
        first_value(accelerators_total) over curve as baseline_accelerators,
        first_value(score_minutes) over curve as baseline_score_minutes
    from best_per_count
    window curve as (partition by round, benchmark, accelerator_vendor, accelerator order by accelerators_total)
),

final as (
    select
        round,
        benchmark,
        accelerator_vendor,
        accelerator,
        accelerators_total,
        score_minutes,
        submitter,
        system,
        baseline_accelerators,
        baseline_score_minutes,
        baseline_score_minutes / score_minutes as speedup,
        accelerators_total / baseline_accelerators as ideal_speedup,
        (baseline_score_minutes * baseline_accelerators) / (score_minutes * accelerators_total) as scaling_efficiency
    from with_baseline
)

select * from final
order by round, benchmark, accelerator, accelerators_total
