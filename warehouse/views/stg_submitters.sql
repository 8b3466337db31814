-- Staging: one name per submitter across rounds and suites. Spellings that differ only in case (`nvidia` in v0.5,
-- `NVIDIA` later) are one submitter, named by the spelling of most rounds (ties: the latest); the known renames
-- below are applied first;
-- joint submissions (`Azure+NVIDIA`, `Supermicro_MangoBoost`) keep their full folder name.
with

-- folder spellings of one organisation across rounds (lower case), and the name it submits under today
renames as (
    select * from (values
        ('dellemc', 'Dell'),                          -- Dell EMC, Dell from v2.1
        ('quanta_cloud_technology', 'QCT'),           -- the same company's two folder names
        ('centaurtechnology', 'Centaur'),
        ('centaur technology', 'Centaur'),
        ('smc', 'Sustainable_Metal_Cloud'),           -- training v4.0 folders of Sustainable Metal Cloud
        ('smc-ac-power', 'Sustainable_Metal_Cloud'),
        ('smc-dc-power', 'Sustainable_Metal_Cloud')
    ) as renames(spelling, submitter_name)
),

spellings as (
    select distinct submitter, round from systems
    union
    select distinct submitter, round from training_scores
    union
    select distinct submitter, round from inference_results
),

keyed as (
    select
        spellings.*,
        coalesce(lower(renames.submitter_name), lower(spellings.submitter)) as submitter_key,
        renames.submitter_name as renamed
    from spellings
    left join renames on renames.spelling = lower(spellings.submitter)
),

spelled as (
    select
        submitter_key,
        submitter,
        max(renamed) as renamed,
        count(distinct round) as rounds,
        -- vX.Y as a number that orders rounds (v10.0 after v9.1); DuckDB 1.0 clients have no arg_max by a list
        max(cast(split_part(ltrim(round, 'v'), '.', 1) as integer) * 1000
            + cast(split_part(ltrim(round, 'v'), '.', 2) as integer)) as last_round
    from keyed
    group by all
),

latest as (
    -- a rename names the submitter; else the spelling of most rounds, then of the latest
    select submitter_key, coalesce(renamed, submitter) as submitter_name
    from spelled
    qualify row_number() over (
        partition by submitter_key order by renamed nulls last, rounds desc, last_round desc, submitter
    ) = 1
),

final as (
    select distinct keyed.submitter, latest.submitter_name
    from keyed
    join latest using (submitter_key)
)

select * from final
order by submitter_name, submitter
