-- Staging: one name per submitter across rounds and suites. Spellings that differ only in case (`nvidia` in v0.5,
-- `NVIDIA` later) are one submitter, named as in its latest round; joint submissions keep their full folder name.
with

spellings as (
    select distinct submitter, round from systems
    union
    select distinct submitter, round from training_scores
    union
    select distinct submitter, round from inference_results
),

latest as (
    select
        lower(submitter) as submitter_key,
        arg_max(submitter, [cast(part as integer) for part in string_split(ltrim(round, 'v'), '.')]) as submitter_name
    from spellings
    group by lower(submitter)
),

final as (
    select distinct spellings.submitter, latest.submitter_name
    from spellings
    join latest on latest.submitter_key = lower(spellings.submitter)
)

select * from final
order by submitter_name, submitter
