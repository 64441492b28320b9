// EventLog: placeholder until the module lands.
