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
        min(score_min) as score_min,
        arg_min(system, score_min) as system,
        arg_min(submitter, score_min) as submitter
    from minutes
    group by all
),

with_baseline as (
    select
        *,
        first_value(accelerators_total) over curve as baseline_accelerators,
        first_value(score_min) over curve as baseline_score_min
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
        score_min,
        submitter,
        system,
        baseline_accelerators,
        baseline_score_min,
        baseline_score_min / score_min as speedup,
        accelerators_total / baseline_accelerators as ideal_speedup,
        (baseline_score_min * baseline_accelerators) / (score_min * accelerators_total) as scaling_efficiency
    from with_baseline
)

select * from final
order by round, benchmark, accelerator, accelerators_total
