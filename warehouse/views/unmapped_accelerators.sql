-- Which accelerator names does the accelerator map not know yet? Names no pattern matches (neither a chip nor an
-- explicit 'mixed', 'CPU only' or 'unknown'), with how many system descriptions use them: add a row to
-- accelerators.csv for each.
with

hardware as (
    select * from system_hardware
),

unmapped as (
    select
        accelerator_model_name,
        count(*) as systems,
        min(round) as first_round,
        max(round) as last_round
    from hardware
    where accelerator_chip is null
    group by accelerator_model_name
)

select * from unmapped
order by systems desc, accelerator_model_name
