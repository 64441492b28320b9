// ERPFixtures: placeholder until the module lands.
