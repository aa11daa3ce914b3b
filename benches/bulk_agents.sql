-- Bench data: __AGENTS__ extra agents in a v11 (pre-flatten) objects.db, each with content,
-- history and an instance, so the renamed tables and rebuilt indexes carry real volume.
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < __AGENTS__)
INSERT INTO db_forge_agents (id, slug, name, provider, created_at)
    SELECT 'bulk-' || i, 'slug-' || i, 'Agent ' || i, 'claude', i FROM n;
INSERT INTO db_forge_content (agent_id, content_type, content)
    SELECT id, 'soul', 'content of ' || id FROM db_forge_agents WHERE id LIKE 'bulk-%';
INSERT INTO db_forge_history (agent_id, session_date, entry)
    SELECT id, '2026-05-01', 'entry' FROM db_forge_agents WHERE id LIKE 'bulk-%';
INSERT INTO db_agent_instances (id, definition_id, instance_name)
    SELECT 'inst-' || id, id, 'i-' || id FROM db_forge_agents WHERE id LIKE 'bulk-%';
COMMIT;
