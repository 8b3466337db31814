-- MLCommons' training summary scores the training_reconciliation compares with ours, in two editions: today
-- (official_training_scores, the summary on results_branch when ingested) and release day (the first version of the
-- summary in results_branch's history, from official_training_score_versions: only rounds that `mlperf-warehouse
-- backfill` loaded have one), each with the submitter folder its system description is in (`folder`): the summary
-- names the submitter as the description does, which is not always the folder ("Krai" in krai/, "CoreWeave + IBM +
-- NVIDIA" in IBM+CoreWeave+NVIDIA/).
with

editions as (
    select 'today' as edition, *, null::timestamptz as committed_at
    from official_training_scores
    union all by name
    select 'release day' as edition, * exclude (superseded_at)
    from official_training_score_versions
    qualify committed_at = min(committed_at) over (partition by round, source_path)
),

descriptions as (
    select distinct round, submitter, system, json_extract_string(raw_json, '$.submitter') as published_submitter
    from systems where suite = 'training'
),

with_folder as (
    select editions.*, coalesce(descriptions.submitter, editions.submitter) as folder
    from editions
    left join descriptions
        on descriptions.round = editions.round
        and descriptions.system = editions.system
        and descriptions.published_submitter = editions.submitter
    -- two folders with the same system file and published name: the first folder by name
    qualify row_number() over (partition by editions.edition, editions.round, editions.division, editions.submitter,
        editions.system, editions.benchmark order by descriptions.submitter) = 1
)

select * from with_folder
