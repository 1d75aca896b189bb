-- 0007: review dates are filtered by every home page (tasks) and the dashboard (overdue,
-- undated); without an index a register of 100k rows is scanned for each of them.
CREATE INDEX assets_review_on ON assets(review_on);
CREATE INDEX interested_parties_review_on ON interested_parties(review_on);
