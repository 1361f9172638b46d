import sys

from ticketflower.cli import main

sys.exit(main())
