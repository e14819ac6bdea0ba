from draftwheel.cli.main import main

raise SystemExit(main())
