-- Does the warehouse reproduce MLCommons' own training summary? Each official score (the result summarizer's
-- summary.csv on the repository's results_branch, from v6.0) beside our training_scores row of the same round,
-- division, submitter, system folder and benchmark (the summary names the submitter as the system description does,
-- which is not always the folder: "Krai" in krai/, "CoreWeave + IBM + NVIDIA" in IBM+CoreWeave+NVIDIA/; the
-- description of that system file says which folder), and a verdict: equal (within a relative 1e-9), different, only
-- official (no score row of ours), ours invalid (our rules give no score where the summary has one), only ours (a
-- valid score of ours in a round that has an official summary, which lists no such score). Where the round's past is
-- loaded (`mlperf-warehouse backfill`), our score is also compared with the summary of release day (its first version
-- on results_branch), and `agrees_with` says whether ours equals today's summary, the release day's, both or neither.
with

official as (
    select * from stg_official_training_scores where edition = 'today'
),

release_day as (
    select * from stg_official_training_scores where edition = 'release day'
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
        ours.source_path,
        release_day.score_minutes as release_day_score_minutes,
        release_day.source_commit as release_day_commit,
        release_day.committed_at as release_day_committed_at,
        -- a round is backfilled when its summary has a version: a score absent from it is then a disagreement
        exists (select 1 from release_day as r where r.round = coalesce(official.round, ours.round)) as backfilled
    from official
    full outer join ours
        on ours.round = official.round
        and ours.division = official.division
        and ours.submitter = official.folder
        and ours.system = official.system
        and ours.benchmark = official.benchmark
    left join release_day
        on release_day.round = coalesce(official.round, ours.round)
        and release_day.division = coalesce(official.division, ours.division)
        and release_day.folder = coalesce(official.folder, ours.submitter)
        and release_day.system = coalesce(official.system, ours.system)
        and release_day.benchmark = coalesce(official.benchmark, ours.benchmark)
    where official.round is not null or ours.valid
),

comparisons as (
    select
        * exclude (backfilled),
        coalesce(abs(score_minutes - official_score_minutes)
                 <= 1e-9 * greatest(abs(score_minutes), abs(official_score_minutes)), false) as today_equal,
        coalesce(abs(score_minutes - release_day_score_minutes)
                 <= 1e-9 * greatest(abs(score_minutes), abs(release_day_score_minutes)), false) as release_day_value_equal,
        backfilled and score_minutes is not null as release_day_compared
    from joined
)

select
    * exclude (today_equal, release_day_value_equal, release_day_compared),
    case
        when valid is null then 'only official'
        when official_score_minutes is null then 'only ours'
        when score_minutes is null then 'ours invalid'
        when abs(score_minutes - official_score_minutes)
            <= 1e-9 * greatest(abs(score_minutes), abs(official_score_minutes)) then 'equal'
        else 'different'
    end as verdict,
    case when release_day_compared then release_day_value_equal end as release_day_equal,
    case
        when score_minutes is null then null
        when not release_day_compared then 'release day unknown'
        when today_equal and release_day_value_equal then 'both'
        when today_equal then 'today'
        when release_day_value_equal then 'release day'
        else 'neither'
    end as agrees_with
from comparisons
order by round, division, submitter, system, benchmark
