-- Which systems train each benchmark fastest in each round and division?
-- One row per valid official score, ranked within (round, division, benchmark); rank 1 is the fastest.
with

scores as (
    select * from stg_training_scores where valid
),

ranked as (
    select
        round,
        division,
        benchmark,
        rank() over (partition by round, division, benchmark order by score_minutes) as rank,
        submitter,
        system,
        system_name,
        accelerator_model_name,
        number_of_nodes,
        accelerators_total,
        score_minutes,
        runs_counted,
        scaling_factor,
        source_path,
        benchmark_name,
        submitter_name,
        availability
    from scores
)

select * from ranked
order by round, division, benchmark, rank, submitter, system
