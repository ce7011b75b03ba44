// Chapter 03: linear regression, from scratch and then with TorchlightNN/TorchlightOptim.
// The logic lives in the other files of this folder; this file only starts the command.
LinearRegression.runAsChapter()
