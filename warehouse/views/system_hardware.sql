-- What hardware is each system, in canonical terms? One row per system description, with the first pattern of
-- accelerator_models that matches its accelerator name (vendor, family, chip, memory, form factor), the original
-- spelling kept, and the accelerator count (nodes × accelerators per node; 0 for CPU-only systems).
-- `accelerator` (e.g. 'H100 SXM 80GB') is the unit the other views compare; `accelerator_chip` is the chip alone, or
-- the map's verdict where there is no single chip ('mixed', 'CPU only', 'unknown'; `accelerator_reason` says why),
-- and then `accelerator` is null: such systems are in no per-chip comparison. A missing name is matched as ''.
with

-- not named `systems`: DuckDB < 1.4 reads a CTE named like the table it selects from as a circular reference
descriptions as (
    select * from systems
),

models as (
    select * from accelerator_models
),

-- Each accelerator name matched once, not each system: a pattern read from a column is compiled anew for every row
-- it meets, and a round's systems share a few dozen names (every view of results reads this one). By suite, so that
-- a view of one suite's results matches that suite's names only.
names as (
    select distinct suite, lower(coalesce(accelerator_model_name, '')) as name from descriptions
),

candidates as (
    select
        names.suite,
        names.name,
        models.priority,
        models.vendor,
        models.family,
        models.chip,
        models.memory_gb,
        models.form_factor,
        models.reason
    from names
    join models
        on regexp_matches(names.name, models.pattern)
),

best as (
    select * from candidates
    qualify row_number() over (partition by suite, name order by priority) = 1
),

final as (
    select
        descriptions.suite,
        descriptions.round,
        descriptions.division,
        descriptions.submitter,
        descriptions.system,
        descriptions.system_name,
        descriptions.system_type,
        descriptions.availability,
        descriptions.number_of_nodes,
        descriptions.accelerators_per_node,
        descriptions.accelerators_total,
        descriptions.number_of_nodes * descriptions.host_processors_per_node as host_processors_total,
        coalesce(descriptions.accelerators_total, 0) = 0 as cpu_only,
        descriptions.accelerator_model_name,
        best.vendor as accelerator_vendor,
        best.family as accelerator_family,
        best.chip as accelerator_chip,
        -- the comparable unit: the same chip in the same form factor and memory size
        case when best.chip not in ('mixed', 'CPU only', 'unknown')
            then concat_ws(' ', best.chip, best.form_factor, cast(best.memory_gb as integer) || 'GB')
        end as accelerator,
        best.memory_gb as accelerator_memory_gb,
        best.form_factor as accelerator_form_factor,
        best.reason as accelerator_reason,
        descriptions.host_processor_model_name,
        descriptions.framework
    from descriptions
    left join best
        on best.suite = descriptions.suite
        and best.name = lower(coalesce(descriptions.accelerator_model_name, ''))
)

select * from final
order by suite, round, division, submitter, system
