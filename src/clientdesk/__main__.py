from clientdesk.cli import main

main()
