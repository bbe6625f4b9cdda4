-- Each rate-window entry gets an id, so the limiter can move it to the moment the call
-- finished: the provider sees the request somewhere between the two, and counting from the
-- later one keeps every window the provider measures within the limit.
ALTER TABLE provider_calls ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
