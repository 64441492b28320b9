print("crash child: no scenarios yet")
