-- Does the warehouse reproduce MLCommons' own results table? Each official inference row joined to our result of
-- the same folder (its location), both values and units side by side, compared whatever our validity verdict (a
-- wrong number on a result we judge invalid is still a wrong number), and a verdict: different (another value,
-- beyond a relative 1e-9, or other units where the table prints units, or no value of ours), ours invalid (same
-- value and units, but our checker rules drop a result the table publishes), equal, only official (no result of
-- ours there), only ours (a valid result of ours in a round covered by an official table that has no row for it).
-- `ours_invalid` says on every official row whether we drop it, so a row can be both different and ours invalid.
-- The official row is today's table's (stg_official_results says which table is the reference). The accuracy text and
-- the power result are compared on every official row beside the verdict. Where the round's past is loaded
-- (`mlperf-warehouse backfill`), our value is also compared with the table published on release day (the first
-- version of that table), and `agrees_with` says whether ours equals today's table, the release day's, both or
-- neither: a disagreement with today's table only may be MLCommons' later edit, not our error.
with

official as (
    select * from stg_official_results where edition = 'today'
),

release_day as (
    select * from stg_official_results where edition = 'release day'
),

coverage as (
    select distinct
        round,
        case when table_scope = 'submitter' then division end as division,
        case when table_scope = 'submitter' then submitter end as submitter
    from official
),

ours as (
    -- compared as published: the staging view's `result` is what the value measures, `published_result` the number
    select
        * exclude (result, units),
        published_result as result,
        published_units as units,
        division || '/' || submitter || '/results/' || system || '/' || benchmark || '/' || scenario_dir as location
    from stg_inference_results as results
    where exists (
        select 1 from coverage
        where coverage.round = results.round
            and (coverage.division is null
                or (coverage.division = results.division and coverage.submitter = results.submitter))
    )
),

joined as (
    select
        coalesce(official.round, ours.round) as round,
        coalesce(official.location, ours.location) as location,
        coalesce(official.division, ours.division) as division,
        coalesce(official.submitter, ours.submitter) as submitter,
        coalesce(official.system, ours.system) as system,
        coalesce(official.benchmark, ours.benchmark) as benchmark,
        coalesce(official.scenario_dir, ours.scenario_dir) as scenario_dir,
        official.model as official_model,
        ours.model,
        official.scenario as official_scenario,
        ours.scenario,
        official.result as official_result,
        ours.result,
        official.units as official_units,
        ours.units,
        official.accuracy_text as official_accuracy_text,
        ours.accuracy_text,
        official.power_result as official_power_result,
        ours.power_result,
        official.power_units as official_power_units,
        ours.power_units,
        ours.valid,
        ours.invalid_reason,
        official.row_id as official_row_id,
        official.source_path as official_source_path,
        ours.source_path,
        release_day.result as release_day_result,
        release_day.units as release_day_units,
        release_day.source_commit as release_day_commit,
        release_day.committed_at as release_day_committed_at,
        -- a round is backfilled when any of its official tables has a version: then a row absent from the release
        -- day's table is a disagreement with it, not an unknown
        exists (select 1 from release_day as r where r.round = coalesce(official.round, ours.round)) as backfilled
    from official
    full outer join ours
        on ours.round = official.round
        and ours.location = official.location
    left join release_day
        on release_day.round = coalesce(official.round, ours.round)
        and release_day.location = coalesce(official.location, ours.location)
    where official.location is not null or (ours.valid and ours.published)
),

comparisons as (
    select
        *,
        source_path is not null and official_result is not null as compared,
        abs(result - official_result) <= 1e-9 * greatest(abs(result), abs(official_result)) as value_equal,
        official_units is null or official_units is not distinct from units as units_equal,
        coalesce(abs(result - release_day_result) <= 1e-9 * greatest(abs(result), abs(release_day_result))
                 and (release_day_units is null or release_day_units is not distinct from units), false)
            as release_day_value_equal
    from joined
),

verdicts as (
    select
        * exclude (compared, value_equal, units_equal, release_day_value_equal, backfilled),
        case
            when source_path is null then 'only official'
            when official_result is null then 'only ours'
            when not coalesce(value_equal and units_equal, false) then 'different'
            when not valid then 'ours invalid'
            else 'equal'
        end as verdict,
        case when compared then not valid end as ours_invalid,
        -- the csv files of older checkers (v4.1 submitters') print the first metric's value alone: "0.86112" where
        -- the accuracy text is "DICE: 0.86112"; a bare number is compared with our first metric's value
        case when compared and official_accuracy_text is not null
            then official_accuracy_text = coalesce(accuracy_text, '')
                or coalesce(regexp_full_match(official_accuracy_text, '[-+0-9.eE]+')
                            and official_accuracy_text = regexp_extract(accuracy_text, '^[^:]*:\s*(\S+)', 1), false)
        end as accuracy_equal,
        case when compared and (official_power_result is not null or power_result is not null)
            then coalesce(abs(power_result - official_power_result)
                              <= 1e-9 * greatest(abs(power_result), abs(official_power_result))
                          and official_power_units = power_units, false) end as power_equal,
        case when source_path is not null and backfilled then release_day_value_equal end as release_day_equal,
        case
            when source_path is null then null
            when not backfilled then 'release day unknown'
            when coalesce(value_equal and units_equal, false) and release_day_value_equal then 'both'
            when coalesce(value_equal and units_equal, false) then 'today'
            when release_day_value_equal then 'release day'
            else 'neither'
        end as agrees_with
    from comparisons
)

select * from verdicts
order by round, location
