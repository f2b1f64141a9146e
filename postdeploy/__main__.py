from postdeploy.cli import main

main()
