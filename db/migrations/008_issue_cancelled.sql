-- An issue whose send was cancelled is 'cancelled', no longer 'sent': the public archive and the
-- feeds list only 'sent' issues, and a send stopped half way (usually because something was wrong
-- with it) should not be published there. Issues cancelled before this migration are corrected.
ALTER TABLE issues DROP CONSTRAINT issues_status_check;
ALTER TABLE issues ADD CONSTRAINT issues_status_check CHECK (status IN ('draft', 'sending', 'sent', 'cancelled'));
UPDATE issues i SET status = 'cancelled', sent_at = NULL, updated_at = now()
FROM sends s WHERE s.issue_id = i.id AND s.status = 'cancelled' AND i.status = 'sent';
