// Site: placeholder until the module lands.
