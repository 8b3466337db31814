-- Does the warehouse reproduce MLCommons' own results table? Each official inference row joined to our result of
-- the same folder (its location), both values and units side by side, compared whatever our validity verdict (a
-- wrong number on a result we judge invalid is still a wrong number), and a verdict: different (another value,
-- beyond a relative 1e-9, or other units where the table prints units, or no value of ours), ours invalid (same
-- value and units, but our checker rules drop a result the table publishes), equal, only official (no result of
-- ours there), only ours (a valid result of ours in a round covered by an official table that has no row for it).
-- `ours_invalid` says on every official row whether we drop it, so a row can be both different and ours invalid.
-- A round's table at the repository root is the reference when there is one and covers the round; otherwise the
-- checker csv files submitters committed, each speaking only for its own submitter's folders (transform/common/
-- official_results.py rejects a row of closed/A/summary.csv naming closed/B/). The accuracy text and the power
-- result are compared on every official row beside the verdict.
with

official_tables as (
    select * from official_results where suite = 'inference'
),

rounds_with_a_round_table as (
    select distinct round from official_tables where table_scope = 'round'
),

official as (
    select * from official_tables
    where table_scope = 'round' or round not in (select round from rounds_with_a_round_table)
    -- one submitter's two csv files (results/summary.csv and summary.csv) may list one folder: the first by path
    qualify row_number() over (partition by round, location order by source_path) = 1
),

coverage as (
    select distinct
        round,
        case when table_scope = 'submitter' then division end as division,
        case when table_scope = 'submitter' then submitter end as submitter
    from official
),

power as (
    select round, division, submitter, system, benchmark, scenario, power_result, power_units
    from inference_power
),

ours as (
    select
        results.*,
        results.division || '/' || results.submitter || '/results/' || results.system || '/'
            || results.benchmark || '/' || results.scenario_dir as location,
        power.power_result,
        power.power_units
    from inference_results as results
    left join power
        on power.round = results.round
        and power.division = results.division
        and power.submitter = results.submitter
        and power.system = results.system
        and power.benchmark = results.benchmark
        and power.scenario = results.scenario
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
        ours.source_path
    from official
    full outer join ours
        on ours.round = official.round
        and ours.location = official.location
    where official.location is not null or (ours.valid and ours.published)
),

comparisons as (
    select
        *,
        source_path is not null and official_result is not null as compared,
        abs(result - official_result) <= 1e-9 * greatest(abs(result), abs(official_result)) as value_equal,
        official_units is null or official_units is not distinct from units as units_equal
    from joined
),

verdicts as (
    select
        * exclude (compared, value_equal, units_equal),
        case
            when source_path is null then 'only official'
            when official_result is null then 'only ours'
            when not coalesce(value_equal and units_equal, false) then 'different'
            when not valid then 'ours invalid'
            else 'equal'
        end as verdict,
        case when compared then not valid end as ours_invalid,
        case when compared and official_accuracy_text is not null
            then official_accuracy_text = coalesce(accuracy_text, '') end as accuracy_equal,
        case when compared and (official_power_result is not null or power_result is not null)
            then coalesce(abs(power_result - official_power_result)
                              <= 1e-9 * greatest(abs(power_result), abs(official_power_result))
                          and official_power_units = power_units, false) end as power_equal
    from comparisons
)

select * from verdicts
order by round, location
