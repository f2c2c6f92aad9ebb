import sys

from oro_invoices.cli import main

sys.exit(main())
