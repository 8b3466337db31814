-- How does time-to-train shrink as accelerators are added? For each round, division, benchmark and canonical
-- accelerator: the best score at each accelerator count, the speed-up over the smallest count measured, and the
-- efficiency of each step against perfect linear scaling from that smallest system:
--   efficiency = (score at the smallest count × smallest count) / (score × count)  (1.0 = perfectly linear).
-- A curve of one count has no speed-up or efficiency (null): one point says nothing about scaling.
with

minutes as (
    select * from training_accelerator_minutes where accelerator is not null and accelerators_total > 0
),

-- ties on the score: the first submitter and system by name, the same on every query
best_per_count as (
    select round, division, benchmark, benchmark_name, accelerator_vendor, accelerator, accelerators_total, score_minutes, system, submitter,
           availability
    from minutes
    qualify row_number() over (
        partition by round, division, benchmark, accelerator_vendor, accelerator, accelerators_total
        order by score_minutes, submitter, system
    ) = 1
),

with_baseline as (
    select
        *,
        first_value(accelerators_total) over curve as baseline_accelerators,
        first_value(score_minutes) over curve as baseline_score_minutes,
        count(*) over (partition by round, division, benchmark, accelerator_vendor, accelerator) as curve_points
    from best_per_count
    window curve as (partition by round, division, benchmark, accelerator_vendor, accelerator order by accelerators_total)
),

final as (
    select
        round,
        division,
        benchmark,
        benchmark_name,
        accelerator_vendor,
        accelerator,
        accelerators_total,
        score_minutes,
        submitter,
        system,
        availability,
        curve_points,
        baseline_accelerators,
        baseline_score_minutes,
        case when curve_points > 1 then baseline_score_minutes / score_minutes end as speedup,
        case when curve_points > 1 then accelerators_total / baseline_accelerators end as ideal_speedup,
        case when curve_points > 1
            then (baseline_score_minutes * baseline_accelerators) / (score_minutes * accelerators_total)
        end as scaling_efficiency
    from with_baseline
)

select * from final
order by round, division, benchmark, accelerator, accelerators_total
