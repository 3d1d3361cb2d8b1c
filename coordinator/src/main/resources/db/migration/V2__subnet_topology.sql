-- What the network certifies about its subnets (read_state /subnet): the type and the canister id
-- ranges each one hosts. Placement reads them to put replicas on other subnets than their source,
-- and funding needs a range to route a canister creation to the chosen subnet.
ALTER TABLE subnets ADD COLUMN subnet_type text;

CREATE TABLE subnet_ranges (
    subnet_id    text NOT NULL REFERENCES subnets (subnet_id),
    range_start  text NOT NULL,
    range_end    text NOT NULL,
    PRIMARY KEY (subnet_id, range_start)
);
