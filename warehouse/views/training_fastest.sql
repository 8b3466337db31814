-- Which systems train each benchmark fastest in each round and division?
-- One row per valid official score, ranked within (round, division, benchmark); rank 1 is the fastest.
with

scores as (
    select * from training_scores where valid
),

systems as (
    select * from systems where suite = 'training'
),

ranked as (
    select
        scores.round,
        scores.division,
        scores.benchmark,
        rank() over (partition by scores.round, scores.division, scores.benchmark order by scores.score_min) as rank,
        scores.submitter,
        scores.system,
        systems.system_name,
        systems.accelerator_model_name,
        systems.number_of_nodes,
        systems.accelerators_total,
        scores.score_min,
        scores.runs_counted,
        scores.scaling_factor,
        scores.source_path
    from scores
    left join systems
        on systems.round = scores.round
        and systems.submitter = scores.submitter
        and systems.system = scores.system
)

select * from ranked
order by round, division, benchmark, rank
