// SnapshotStore: placeholder until the module lands.
