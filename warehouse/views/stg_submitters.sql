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
        max([cast(part as integer) for part in string_split(ltrim(round, 'v'), '.')]) as last_round
    from keyed
    group by all
),

latest as (
    select
        submitter_key,
        -- a rename names the submitter; else the spelling of most rounds, then of the latest
        coalesce(max(renamed), arg_max(submitter, [rounds] || last_round)) as submitter_name
    from spelled
    group by submitter_key
),

final as (
    select distinct keyed.submitter, latest.submitter_name
    from keyed
    join latest using (submitter_key)
)

select * from final
order by submitter_name, submitter
