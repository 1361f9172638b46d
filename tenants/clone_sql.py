"""SQL of `tf_clone_schema(src, dst)`: copy a migrated schema into a new one in one call.

django-tenants' own CloneSchema is a general 4,600-line PL/pgSQL port that takes ~1.8 s
per tenant; replaying migrations takes 13-40 s. Our tenant schemas hold only tables,
their indexes, constraints and identity sequences, so this function copies exactly those
(keeping every index and constraint name, so later migrations that refer to them by
name still apply), plus the template's rows (migration records, content types,
permissions, built-in roles). See docs/decision-tenant-cloning.md.
"""

CLONE_FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION tf_clone_schema(src text, dst text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  rel record;
  saved_path text := current_setting('search_path');
  defs text[] := '{}';
  def text;
  mx bigint;
  tables oid[];
  indexes oid[];
BEGIN
  EXECUTE format('CREATE SCHEMA %I', dst);

  -- The catalog is read by oid from here on: one scan of pg_class for the template's
  -- relations; every other lookup goes through the catalog's indexes (with a thousand
  -- companies, queries by schema name scanned pg_constraint for each index: 0.17 s).
  SELECT coalesce(array_agg(c.oid) FILTER (WHERE c.relkind = 'r'), '{}'),
         coalesce(array_agg(c.oid) FILTER (WHERE c.relkind = 'i'), '{}')
    INTO tables, indexes
    FROM pg_class c WHERE c.relnamespace = src::regnamespace;

  -- Tables: columns, defaults, identity, NOT NULL and CHECK constraints; then the rows.
  FOR rel IN
    SELECT c.relname FROM pg_class c WHERE c.oid = ANY (tables) ORDER BY c.relname
  LOOP
    EXECUTE format(
      'CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING IDENTITY '
      'INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE)',
      dst, rel.relname, src, rel.relname);
    EXECUTE format('INSERT INTO %I.%I OVERRIDING SYSTEM VALUE SELECT * FROM %I.%I',
                   dst, rel.relname, src, rel.relname);
  END LOOP;

  -- Definitions are read with only `src` on the search path so that they come out
  -- unqualified, then replayed with only `dst` on it.
  PERFORM set_config('search_path', quote_ident(src), true);
  FOR rel IN
    SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid) AS condef, con.contype
    FROM pg_constraint con
    JOIN pg_class cl ON cl.oid = con.conrelid
    WHERE con.conrelid = ANY (tables) AND con.contype IN ('p', 'u', 'x', 'f')
    ORDER BY CASE con.contype WHEN 'f' THEN 1 ELSE 0 END, cl.relname, con.conname
  LOOP
    defs := defs || format('ALTER TABLE %I ADD CONSTRAINT %I %s',
                           rel.relname, rel.conname, rel.condef);
  END LOOP;
  FOR rel IN
    SELECT pg_get_indexdef(i.indexrelid) AS idxdef
    FROM pg_index i
    WHERE i.indexrelid = ANY (indexes)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                      WHERE con.conrelid = i.indrelid AND con.conindid = i.indexrelid)
  LOOP
    -- pg_get_indexdef always qualifies the table: "... ON src.table USING ...".
    defs := defs || replace(rel.idxdef, ' ON ' || quote_ident(src) || '.', ' ON ');
  END LOOP;

  -- Triggers (the audit trail's append-only guard): their functions live in public.
  FOR rel IN
    SELECT pg_get_triggerdef(t.oid) AS trgdef
    FROM pg_trigger t
    WHERE t.tgrelid = ANY (tables) AND NOT t.tgisinternal
  LOOP
    defs := defs || replace(rel.trgdef, ' ON ' || quote_ident(src) || '.', ' ON ');
  END LOOP;

  PERFORM set_config('search_path', quote_ident(dst), true);
  FOREACH def IN ARRAY defs LOOP
    EXECUTE def;
  END LOOP;

  -- Identity sequences continue after the copied rows (the copies have the template's
  -- identity columns).
  FOR rel IN
    SELECT c.relname, a.attname
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    WHERE a.attrelid = ANY (tables) AND a.attnum > 0 AND a.attidentity <> ''
      AND NOT a.attisdropped
  LOOP
    EXECUTE format('SELECT max(%I) FROM %I.%I', rel.attname, dst, rel.relname) INTO mx;
    IF mx IS NOT NULL THEN
      PERFORM setval(pg_get_serial_sequence(format('%I.%I', dst, rel.relname), rel.attname), mx);
    END IF;
  END LOOP;

  PERFORM set_config('search_path', saved_path, true);
END
$fn$;
"""

DROP_FUNCTION_SQL = "DROP FUNCTION IF EXISTS tf_clone_schema(text, text);"
