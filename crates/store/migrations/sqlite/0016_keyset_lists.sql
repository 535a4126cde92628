-- Every list of cases is read page by page along an index in its order
-- (keyset paging): one index per branch of the visibility rule and order.
-- The due order is `COALESCE(due_on, '9999-12-31')` (no due date last),
-- then last change, newest first; the queries spell the same expression.
-- Staff inboxes (a department's, a hall's with its helper's) come in both
-- orders; an applicant's own cases and the city's all by last change.
DROP INDEX cases_department;
DROP INDEX cases_hall;
DROP INDEX cases_applicant;
DROP INDEX cases_status;
DROP INDEX cases_department_due;
DROP INDEX cases_hall_due;

CREATE INDEX cases_department_due ON cases (department_id, COALESCE(due_on, '9999-12-31'), updated_at DESC, id DESC);
CREATE INDEX cases_department_updated ON cases (department_id, updated_at DESC, id DESC);
CREATE INDEX cases_hall_due ON cases (hall_id, COALESCE(due_on, '9999-12-31'), updated_at DESC, id DESC)
    WHERE hall_id IS NOT NULL;
CREATE INDEX cases_hall_updated ON cases (hall_id, updated_at DESC, id DESC) WHERE hall_id IS NOT NULL;
CREATE INDEX cases_pickup_due ON cases (pickup_hall_id, COALESCE(due_on, '9999-12-31'), updated_at DESC, id DESC)
    WHERE pickup_hall_id IS NOT NULL;
CREATE INDEX cases_pickup_updated ON cases (pickup_hall_id, updated_at DESC, id DESC) WHERE pickup_hall_id IS NOT NULL;
CREATE INDEX cases_applicant_updated ON cases (applicant_user_id, updated_at DESC, id DESC)
    WHERE applicant_user_id IS NOT NULL;
CREATE INDEX cases_helper_due ON cases (assisted_by, COALESCE(due_on, '9999-12-31'), updated_at DESC, id DESC)
    WHERE assisted_by IS NOT NULL;
CREATE INDEX cases_helper_updated ON cases (assisted_by, updated_at DESC, id DESC) WHERE assisted_by IS NOT NULL;
CREATE INDEX cases_all_updated ON cases (updated_at DESC, id DESC);
