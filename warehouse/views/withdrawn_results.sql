-- Which results were withdrawn after the warehouse first saw them? Every inference result and training score a
-- refresh removed (its folder deleted, renamed or moved to another division upstream) and no later refresh brought
-- back, with its last values and the commits between which it went (history from the `changes` table).
with

removed as (
    select * from changes
    where change = 'removed' and table_name in ('inference_results', 'training_scores')
),

back_later as (
    select table_name, suite, round, row_key, seen_at from changes where change = 'added'
),

withdrawn as (
    select
        removed.suite,
        removed.round,
        removed.table_name,
        json_extract_string(removed.row_key, '$.division') as division,
        json_extract_string(removed.row_key, '$.submitter') as submitter,
        json_extract_string(removed.row_key, '$.system') as system,
        json_extract_string(removed.row_key, '$.benchmark') as benchmark,
        json_extract_string(removed.row_key, '$.scenario') as scenario,
        removed.row_key,
        removed.old_values,
        removed.old_commit as last_commit_with_it,
        removed.new_commit as withdrawn_in_commit,
        removed.seen_at as withdrawn_seen_at
    from removed
    where not exists (
        select 1 from back_later
        where back_later.table_name = removed.table_name and back_later.suite = removed.suite
          and back_later.round = removed.round and back_later.row_key = removed.row_key
          and back_later.seen_at > removed.seen_at
    )
)

select * from withdrawn
order by suite, round, table_name, row_key
