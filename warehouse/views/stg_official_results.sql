-- The official inference rows the reconciliation compares with ours, in two editions: today (official_results, the
-- tables at the commit ingested) and release day (the first version of each official table in the repository's
-- history, from official_result_versions: only rounds that `mlperf-warehouse backfill` loaded have one). In each
-- edition a round's table at the repository root is the reference when there is one; otherwise the checker csv
-- files submitters committed, each speaking only for its own submitter's folders (transform/common/
-- official_results.py rejects a row of closed/A/summary.csv naming closed/B/).
with

editions as (
    select 'today' as edition, *, null::timestamptz as committed_at
    from official_results
    where suite = 'inference'
    union all by name
    select 'release day' as edition, * exclude (superseded_at)
    from official_result_versions
    where suite = 'inference'
    -- the first version of each file: the table as MLCommons or the submitter first published it (two versions of
    -- one file committed in the same second cannot be told apart by date: the reference below keeps one of them)
    qualify committed_at = min(committed_at) over (partition by round, source_path)
),

rounds_with_a_round_table as (
    select distinct edition, round from editions where table_scope = 'round'
),

reference as (
    select * from editions
    where table_scope = 'round' or not exists (
        select 1 from rounds_with_a_round_table as r where r.edition = editions.edition and r.round = editions.round)
    -- one submitter's two csv files (results/summary.csv and summary.csv) may list one folder: the first by path
    qualify row_number() over (partition by edition, round, location order by source_path) = 1
)

select * from reference
