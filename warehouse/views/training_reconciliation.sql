-- Does the warehouse reproduce MLCommons' own training summary? Each official score (the result summarizer's
-- summary.csv on the repository's results_branch, from v6.0) beside our training_scores row of the same round,
-- division, submitter, system folder and benchmark (the summary names the submitter as the system description does,
-- which is not always the folder: "Krai" in krai/, "CoreWeave + IBM + NVIDIA" in IBM+CoreWeave+NVIDIA/; the
-- description of that system file says which folder), and a verdict: equal (within a relative 1e-9), different, only
-- official (no score row of ours), ours invalid (our rules give no score where the summary has one), only ours (a
-- valid score of ours in a round that has an official summary, which lists no such score).
with

descriptions as (
    select distinct round, submitter, system, json_extract_string(raw_json, '$.submitter') as published_submitter
    from systems where suite = 'training'
),

official as (
    select official_training_scores.*, coalesce(descriptions.submitter, official_training_scores.submitter) as folder
    from official_training_scores
    left join descriptions
        on descriptions.round = official_training_scores.round
        and descriptions.system = official_training_scores.system
        and descriptions.published_submitter = official_training_scores.submitter
    -- two folders with the same system file and published name: the first folder by name
    qualify row_number() over (partition by official_training_scores.round, official_training_scores.division,
        official_training_scores.submitter, official_training_scores.system, official_training_scores.benchmark
        order by descriptions.submitter) = 1
),

ours as (
    select * from training_scores
    where round in (select distinct round from official)
),

joined as (
    select
        coalesce(official.round, ours.round) as round,
        coalesce(official.division, ours.division) as division,
        coalesce(official.folder, ours.submitter) as submitter,
        official.submitter as official_submitter,
        coalesce(official.system, ours.system) as system,
        coalesce(official.benchmark, ours.benchmark) as benchmark,
        official.score_minutes as official_score_minutes,
        ours.score_minutes,
        ours.valid,
        ours.reason,
        ours.rules_checked,
        official.source_path as official_source_path,
        official.source_commit as official_source_commit,
        ours.source_path
    from official
    full outer join ours
        on ours.round = official.round
        and ours.division = official.division
        and ours.submitter = official.folder
        and ours.system = official.system
        and ours.benchmark = official.benchmark
    where official.round is not null or ours.valid
)

select
    *,
    case
        when valid is null then 'only official'
        when official_score_minutes is null then 'only ours'
        when score_minutes is null then 'ours invalid'
        when abs(score_minutes - official_score_minutes)
            <= 1e-9 * greatest(abs(score_minutes), abs(official_score_minutes)) then 'equal'
        else 'different'
    end as verdict
from joined
order by round, division, submitter, system, benchmark
