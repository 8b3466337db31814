-- What hardware is each system, in canonical terms? One row per system description, with the first pattern of
-- accelerator_models that matches its accelerator name (vendor, family, model, memory, form factor), the original
-- spelling kept, and the accelerator count (nodes × accelerators per node; 0 for CPU-only systems).
-- `accelerator` (e.g. 'H100 SXM 80GB') is the unit the other views compare; `accelerator_model` is the chip alone.
with

systems as (
    select * from systems
),

models as (
    select * from accelerator_models
),

candidates as (
    select
        systems.suite,
        systems.round,
        systems.division,
        systems.submitter,
        systems.system,
        models.priority,
        models.vendor,
        models.family,
        models.model,
        models.memory_gb,
        models.form_factor
    from systems
    join models
        on regexp_matches(lower(systems.accelerator_model_name), models.pattern)
),

best as (
    select * from candidates
    qualify row_number() over (partition by suite, round, division, submitter, system order by priority) = 1
),

final as (
    select
        systems.suite,
        systems.round,
        systems.division,
        systems.submitter,
        systems.system,
        systems.system_name,
        systems.system_type,
        systems.availability,
        systems.number_of_nodes,
        systems.accelerators_per_node,
        systems.accelerators_total,
        systems.number_of_nodes * systems.host_processors_per_node as host_processors_total,
        coalesce(systems.accelerators_total, 0) = 0 as cpu_only,
        systems.accelerator_model_name,
        best.vendor as accelerator_vendor,
        best.family as accelerator_family,
        best.model as accelerator_model,
        -- the comparable unit: the same chip in the same form factor and memory size
        case when best.model is not null
            then concat_ws(' ', best.model, best.form_factor, cast(best.memory_gb as integer) || 'GB')
        end as accelerator,
        best.memory_gb as accelerator_memory_gb,
        best.form_factor as accelerator_form_factor,
        systems.host_processor_model_name,
        systems.framework
    from systems
    left join best
        on best.suite = systems.suite
        and best.round = systems.round
        and best.division is not distinct from systems.division
        and best.submitter = systems.submitter
        and best.system = systems.system
)

select * from final
