-- Custom migration: an assertion a statement can end with. The consumer sends a chunk's whole write (fenced
-- offset update, dedupe records with their compare-and-set, effects) as one round trip, one implicit transaction;
-- a check that fails inside it must fail all of it, so it raises rather than returning a count for the client to
-- look at. `code` is the SQLSTATE raised (SPR01: an entity moved since it was read; SPR02: fenced).
CREATE FUNCTION "spr_require"(ok boolean, code text, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
  END IF;
  RETURN true;
END
$$;
