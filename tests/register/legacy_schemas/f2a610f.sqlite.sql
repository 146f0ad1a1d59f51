-- The schema the stores' create_schema() made at commit f2a610f, on sqlite: the
-- DDL create_all emitted for register.store.metadata, register.deliveries'
-- deliveries_metadata and accounts.store.metadata, in that order, as compiled by
-- SQLAlchemy for this dialect (captured with create_mock_engine from f2a610f's code).
-- A database made by that code has exactly this and no alembic_version table.
-- Statements end with ';' at the end of a line.

CREATE TABLE register_entries (
	id INTEGER NOT NULL, 
	idempotency_key TEXT NOT NULL, 
	request_ref TEXT NOT NULL, 
	cycle INTEGER NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	meeting_date DATE, 
	effective_date DATE NOT NULL, 
	outcome TEXT NOT NULL, 
	title TEXT NOT NULL, 
	amount_pence BIGINT, 
	period_start DATE, 
	period_end DATE, 
	recurrent BOOLEAN DEFAULT 0, 
	amendments JSON NOT NULL, 
	summary TEXT NOT NULL, 
	recorded_by TEXT NOT NULL, 
	workflow_id TEXT NOT NULL, 
	run_id TEXT NOT NULL, 
	CONSTRAINT pk_register_entries PRIMARY KEY (id), 
	CONSTRAINT ck_register_entries_cycle_positive CHECK (cycle >= 1), 
	CONSTRAINT ck_register_entries_kind_known CHECK (kind IN ('decision', 'minute_confirmed', 'evaluation', 'funding_period')), 
	CONSTRAINT ck_register_entries_amount_not_negative CHECK (amount_pence >= 0), 
	CONSTRAINT ck_register_entries_period_ordered CHECK (period_end >= period_start), 
	CONSTRAINT uq_register_entries_idempotency_key UNIQUE (idempotency_key)
);

CREATE INDEX ix_register_entries_request_ref ON register_entries (request_ref, recorded_at);

CREATE INDEX ix_register_entries_kind ON register_entries (kind, effective_date);

CREATE TABLE register_agreed_funding (
	entry_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	option_id TEXT NOT NULL, 
	source TEXT NOT NULL, 
	source_detail TEXT, 
	amount_pence BIGINT NOT NULL, 
	CONSTRAINT pk_register_agreed_funding PRIMARY KEY (entry_id, position), 
	CONSTRAINT ck_register_agreed_funding_amount_not_negative CHECK (amount_pence >= 0), 
	CONSTRAINT uq_register_agreed_funding_entry_id UNIQUE (entry_id, option_id), 
	CONSTRAINT fk_register_agreed_funding_entry_id_register_entries FOREIGN KEY(entry_id) REFERENCES register_entries (id) ON DELETE CASCADE
);

CREATE INDEX ix_register_agreed_funding_source ON register_agreed_funding (source);

CREATE TABLE notice_deliveries (
	idempotency_key TEXT NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	request_ref TEXT, 
	subject TEXT NOT NULL, 
	recipients TEXT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	message_id TEXT, 
	first_attempt_at DATETIME NOT NULL, 
	claimed_at DATETIME, 
	sent_at DATETIME, 
	attempts INTEGER NOT NULL, 
	CONSTRAINT pk_notice_deliveries PRIMARY KEY (idempotency_key), 
	CONSTRAINT ck_notice_deliveries_status_known CHECK (status IN ('sending', 'sent')), 
	CONSTRAINT ck_notice_deliveries_attempts_positive CHECK (attempts >= 1), 
	CONSTRAINT ck_notice_deliveries_sent_has_time CHECK (status <> 'sent' OR sent_at IS NOT NULL)
);

CREATE INDEX ix_notice_deliveries_request_ref ON notice_deliveries (request_ref, first_attempt_at);

CREATE TABLE users (
	user_id VARCHAR(64) NOT NULL, 
	name TEXT NOT NULL, 
	email TEXT NOT NULL, 
	roles TEXT NOT NULL, 
	member_group VARCHAR(40), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (user_id)
);

CREATE TABLE api_tokens (
	token_digest VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	label TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	PRIMARY KEY (token_digest), 
	FOREIGN KEY(user_id) REFERENCES users (user_id)
);

CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);
