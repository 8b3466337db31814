-- Which systems train each benchmark fastest in each round and division?
-- One row per valid official score, ranked within (round, division, benchmark); rank 1 is the fastest.
with

scores as (
    select * from training_scores where valid
),

-- not named `systems`: DuckDB < 1.4 reads a CTE named like the table it selects from as a circular reference
descriptions as (
    select * from systems where suite = 'training'
),

ranked as (
    select
        scores.round,
        scores.division,
        scores.benchmark,
        rank() over (partition by scores.round, scores.division, scores.benchmark order by scores.score_minutes) as rank,
        scores.submitter,
        scores.system,
        descriptions.system_name,
        descriptions.accelerator_model_name,
        descriptions.number_of_nodes,
        descriptions.accelerators_total,
        scores.score_minutes,
        scores.runs_counted,
        scores.scaling_factor,
        scores.source_path
    from scores
    left join descriptions
        on descriptions.round = scores.round
        and descriptions.submitter = scores.submitter
        and descriptions.system = scores.system
)

select * from ranked
order by round, division, benchmark, rank, submitter, system
